"""The demo's texts in German and Danish, keyed by their English text.

What customers read is stored per language (config_data/translation.py); the demo fills
German and Danish for topics, their questions, categories, locations, room features and
some rooms, so the site shows them in each language. A text missing here falls back to
English, as a real one would.
"""

from __future__ import annotations

# English -> (German, Danish)
TEXTS: dict[str, tuple[str, str]] = {
    # Locations
    "Copenhagen City": ("Kopenhagen Innenstadt", "København City"),
    "Aarhus Harbour": ("Aarhus Hafen", "Aarhus Havn"),
    # Customer categories and their descriptions
    "Private": ("Privat", "Privat"),
    "Personal customers": ("Privatkundinnen und Privatkunden", "Privatkunder"),
    "Business": ("Geschäftlich", "Erhverv"),
    "Companies and sole traders": (
        "Unternehmen und Selbstständige",
        "Virksomheder og selvstændige",
    ),
    "Prospect": ("Interessent", "Potentiel kunde"),
    "Not yet a customer": ("Noch nicht Kunde", "Endnu ikke kunde"),
    # Room features
    "Screen": ("Bildschirm", "Skærm"),
    "Whiteboard": ("Whiteboard", "Whiteboard"),
    "Step-free access": ("Stufenloser Zugang", "Niveaufri adgang"),
    "Video conferencing": ("Videokonferenz", "Videokonference"),
    # Rooms (the others are proper names, the same in every language)
    "Harbour": ("Hafen", "Havnen"),
    "Board room": ("Konferenzraum", "Mødelokale"),
    # Topics and their descriptions
    "Mortgage advice": ("Hypothekenberatung", "Boliglånsrådgivning"),
    "Buying a home or refinancing: we go through your budget and options.": (
        "Ein Eigenheim kaufen oder umfinanzieren: Wir gehen Ihr Budget und Ihre "
        "Möglichkeiten durch.",
        "Køb af bolig eller omlægning af lån: Vi gennemgår dit budget og dine muligheder.",
    ),
    "Investment review": ("Anlageberatung", "Investeringsgennemgang"),
    "A review of your savings and investments with an adviser.": (
        "Ein Blick auf Ihre Ersparnisse und Geldanlagen mit einer Beraterin oder einem Berater.",
        "En gennemgang af din opsparing og dine investeringer med en rådgiver.",
    ),
    "Pension check-up": ("Renten-Check", "Pensionstjek"),
    "A short online check of your pension savings.": (
        "Ein kurzer Online-Check Ihrer Altersvorsorge.",
        "Et kort online-tjek af din pensionsopsparing.",
    ),
    "Business loan consultation": ("Beratung zu Firmenkrediten", "Rådgivning om erhvervslån"),
    "Financing for your company: investments, operating credit, guarantees.": (
        "Finanzierung für Ihr Unternehmen: Investitionen, Betriebsmittelkredite, Bürgschaften.",
        "Finansiering til din virksomhed: investeringer, driftskredit, garantier.",
    ),
    "Open an account": ("Konto eröffnen", "Åbn en konto"),
    "Become a customer: bring your ID, or do it by phone or online.": (
        "Kunde werden: Bringen Sie Ihren Ausweis mit, oder erledigen Sie es telefonisch "
        "oder online.",
        "Bliv kunde: Tag dit ID med, eller klar det over telefonen eller online.",
    ),
    "First-time buyer seminar": ("Seminar für Erstkäufer", "Seminar for førstegangskøbere"),
    "A group session on buying your first home. Up to six participants.": (
        "Eine Gruppenveranstaltung zum Kauf Ihres ersten Eigenheims. Bis zu sechs Teilnehmende.",
        "Et gruppemøde om køb af din første bolig. Op til seks deltagere.",
    ),
    "Internal credit review": ("Interne Kreditprüfung", "Intern kreditgennemgang"),
    "Staff-only follow-up booked by advisers on behalf of customers.": (
        "Nur intern: Nachbesprechung, die Beraterinnen und Berater für Kunden buchen.",
        "Kun internt: opfølgning, som rådgivere booker på vegne af kunder.",
    ),
    # Information questions
    "What is the approximate price of the home?": (
        "Wie hoch ist der ungefähre Preis der Immobilie?",
        "Hvad er boligens omtrentlige pris?",
    ),
    "Anything we should prepare?": (
        "Sollen wir etwas vorbereiten?",
        "Er der noget, vi skal forberede?",
    ),
    "Company registration number (CVR)": ("Handelsregisternummer (CVR)", "CVR-nummer"),
    "Amount needed": ("Benötigter Betrag", "Ønsket beløb"),
}


def in_other_languages(field: str, english: str) -> dict[str, str]:
    """{"name_de": ..., "name_da": ...} for `english`, to add to an update_or_create's
    defaults; nothing for a text the demo leaves in English."""
    if english not in TEXTS:
        return {}
    german, danish = TEXTS[english]
    return {f"{field}_de": german, f"{field}_da": danish}
