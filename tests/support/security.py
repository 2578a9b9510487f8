"""Names shared by the security tests: their people and the canary only bob's chunks carry."""

ALICE, BOB, ADMIN = "sec-alice-0001", "sec-bob-0002", "sec-admin-0009"
CANARY = "ZEBRA-CANARY-7731 belongs to bob only"
