"""Announcements of the school to families: a teacher to the classes they teach, the form tutor to the
class, the registrar to the whole school or chosen grades; read confirmations and one reminder."""
