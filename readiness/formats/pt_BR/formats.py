"""Brazilian dates as "15/07/2024" and times as "15/07/2024 14:00", as the teams write them.

Django's own pt_BR formats spell dates out ("15 de julho de 2024"), too long for tables and
rows; its input formats ("15/07/2024", "15/07/24") and numbers ("2,5") are kept.
"""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
