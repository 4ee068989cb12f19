"""The WSGI application that gunicorn serves.

gunicorn's threads share one GIL, and a thread back from the database waits for it until the thread holding
it reaches the interpreter's switch interval (5 ms by default). A 1 ms interval served 7 % more week reads
a second on the same core (``make bench``'s servers side by side: 506 against 470 req/s, server CPU per read
1.95 against 2.11 ms); the hand-written baseline, which holds the GIL only briefly, was the same either way
(991 against 1,011 req/s). ``GIL_SWITCH_INTERVAL_MS`` sets another interval.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL_MS", "1")) / 1000)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnevnik.settings")
application = get_wsgi_application()
