"""English dates as "15 Jul 2024" and times as "15 Jul 2024, 14:00" (docs/architecture.md).

Day, month as a word, year: read the same way in the US, the UK and by the Brazilian teams,
where "07/08/2024" means a different day to each. A 24-hour clock, like the minutes.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

# What the pages write, and ISO (Django adds it to every list). No month-first "07/08/2024":
# the pages never write it, and it reads as another day to half the readers.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d %b, %Y", "%d %B, %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%d %B %Y, %H:%M",
    "%d %B %Y %H:%M",
]
