"""Russian date formats: ДД.ММ.ГГГГ wherever Django formats a date by itself (the admin, the back office).

Django's own Russian DATE_FORMAT is «1 мая 2012 г.»; the site writes dates as 01.05.2012 everywhere else,
and registrars compare them with the school's papers in that form.
"""

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
