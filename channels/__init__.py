"""Text channels (Twilio SMS, web chat): provider payload in, one neutral turn, the reply rendered back."""
