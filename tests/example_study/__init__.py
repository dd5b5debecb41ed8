"""A study that is not shipped: the contract tests register it to show that a new kind
needs only its module, its figures module and its scenario file."""
