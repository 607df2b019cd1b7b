"""The words and places example clinics are made of: names, streets, and cost levels by state."""

from __future__ import annotations

STATES_50_DC = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
# Large coastal metros charge more; several southern and plains states less.
HIGH_COST = {"CA", "NY", "MA", "WA", "NJ", "DC", "CT", "HI", "MD"}
LOW_COST = {"MS", "AR", "AL", "WV", "KY", "OK", "LA", "ND", "SD", "IA", "KS", "NE"}

NAME_FIRST = (
    "Lakeside",
    "Summit",
    "Harbor",
    "Cedar",
    "Northstar",
    "Clearwater",
    "Bright Path",
    "Evergreen",
    "Riverbend",
    "Meadowlark",
    "Horizon",
    "Willow",
    "Keystone",
    "Beacon",
    "Silver Pine",
    "Blue Heron",
    "Stillwater",
    "Aspen",
    "Juniper",
    "Open Door",
    "New Leaf",
    "Tranquil",
    "Morning Light",
    "Compass",
    "True North",
    "Oak Hollow",
    "Haven",
    "Sunrise",
)
NAME_SECOND = (
    "Ketamine Clinic",
    "Infusion Center",
    "Ketamine Therapy",
    "Wellness Center",
    "Mental Health",
    "Psychiatry & Ketamine",
    "Infusion Clinic",
    "Mood Clinic",
)
REMOTE_NAMES = ("Telehealth", "At-Home Ketamine", "Virtual Care", "Home Program")
STREETS = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Park Blvd",
    "Lake Rd",
    "Center St",
    "Elm St",
    "Washington Ave",
    "Highland Dr",
    "Commerce Way",
    "Medical Pkwy",
    "River Rd",
)
ADMINISTERED_BY = (
    "Anesthesiologist",
    "Psychiatrist",
    "Emergency physician",
    "Certified registered nurse anesthetist (CRNA)",
    "Nurse practitioner",
)
MONITORING = (
    "Blood pressure, heart rate and oxygen saturation throughout the infusion",
    "Continuous vital-sign monitoring by a nurse",
    "Pulse oximetry and blood pressure",
)
