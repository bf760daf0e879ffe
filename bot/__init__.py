"""The Rasa assistant: config, domain, credentials and the rasa-sdk actions."""
