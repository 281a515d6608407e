"""The word lists of the starter profile questions (:mod:`tandem.enrolment.starter`): their
choices, and the places whose coordinates a location answer may leave out. The demo
(:mod:`tandem.demo.seed`) draws its people's answers from the same lists."""

from __future__ import annotations

SKILLS = (
    "negotiation;public speaking;stakeholder management;people management;hiring;coaching;"
    "product strategy;roadmapping;user research;data analysis;SQL;Python;machine learning;"
    "cloud architecture;security;DevOps;frontend development;backend development;UX design;"
    "project management;agile delivery;budgeting;financial modelling;sales;marketing;"
    "brand strategy;copywriting;career planning;leadership presence;conflict resolution;"
    "time management;writing;presentation design;change management;operations;"
    "supply chain;regulatory affairs;clinical research;patient safety;quality assurance;"
    "entrepreneurship;fundraising;networking;personal branding;work-life balance;"
    "returning to work;remote team leadership;diversity and inclusion;mentoring others"
).split(";")
INTERESTS = (
    "running;cycling;climbing;chess;cooking;photography;music;theatre;reading;gardening;"
    "volunteering;travel;languages;board games;film;yoga;sailing;painting;podcasts;hiking"
).split(";")
VALUES = [
    "growth",
    "fairness",
    "curiosity",
    "service",
    "craft",
    "family",
    "independence",
    "community",
]
INDUSTRIES = (
    "healthcare;software;finance;education;energy;manufacturing;retail;public sector;"
    "consulting;media;logistics;pharmaceuticals"
).split(";")
TEAMS = (
    "engineering;product;design;data;sales;marketing;finance;people;operations;legal;"
    "customer success;research"
).split(";")
SENIORITY = ["junior", "mid-level", "senior", "lead", "manager", "director", "executive"]
#: (city, country, latitude, longitude, IANA time zone, local languages)
CITIES = (
    ("London", "United Kingdom", 51.507, -0.128, "Europe/London", ["English"]),
    ("Lyon", "France", 45.764, 4.836, "Europe/Paris", ["French", "English"]),
    ("Berlin", "Germany", 52.520, 13.405, "Europe/Berlin", ["German", "English"]),
    ("Madrid", "Spain", 40.417, -3.704, "Europe/Madrid", ["Spanish", "English"]),
    ("Lagos", "Nigeria", 6.524, 3.379, "Africa/Lagos", ["English", "Yoruba"]),
    ("Nairobi", "Kenya", -1.292, 36.822, "Africa/Nairobi", ["English", "Swahili"]),
    ("New York", "United States", 40.713, -74.006, "America/New_York", ["English", "Spanish"]),
    ("Toronto", "Canada", 43.653, -79.383, "America/Toronto", ["English", "French"]),
    ("Sao Paulo", "Brazil", -23.551, -46.633, "America/Sao_Paulo", ["Portuguese", "English"]),
    ("Mexico City", "Mexico", 19.433, -99.133, "America/Mexico_City", ["Spanish", "English"]),
    ("Bangalore", "India", 12.972, 77.595, "Asia/Kolkata", ["English", "Hindi", "Kannada"]),
    ("Singapore", "Singapore", 1.352, 103.820, "Asia/Singapore", ["English", "Mandarin"]),
    ("Tokyo", "Japan", 35.677, 139.650, "Asia/Tokyo", ["Japanese", "English"]),
    ("Sydney", "Australia", -33.869, 151.209, "Australia/Sydney", ["English"]),
    ("Dubai", "United Arab Emirates", 25.205, 55.271, "Asia/Dubai", ["Arabic", "English"]),
    ("Stockholm", "Sweden", 59.329, 18.069, "Europe/Stockholm", ["Swedish", "English"]),
)
COMMUNICATION_STYLES = ["direct", "reflective", "structured", "informal"]
LEARNING_PREFERENCES = ["discussion", "hands-on practice", "reading and reflection", "shadowing"]
