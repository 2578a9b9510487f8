"""Transform steps: turn legacy results and reference content into rows the chat layer stores and embeds."""
