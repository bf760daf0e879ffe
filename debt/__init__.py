"""The domain of amicable debt collection: plain Python and SQLModel.

Every rule of the trade lives here under its own name (identity gate,
disclosures, fees per jurisdiction, contact policy, arrangements); channels,
Rasa actions and campaigns call it and never re-implement it.
"""
