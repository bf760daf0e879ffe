"""The demo portfolio shipped with the product (`collect demo`): fictional people, reserved numbers."""
