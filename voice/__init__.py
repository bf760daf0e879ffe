"""Twilio voice: call flow, TwiML, Media Streams session, Vosk recognition, espeak-ng speech, codecs."""
