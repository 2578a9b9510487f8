"""The per-user dynamic partitions: partition key = the legacy test taker's id."""

from dagster import DynamicPartitionsDefinition

users_partitions = DynamicPartitionsDefinition(name="users")
