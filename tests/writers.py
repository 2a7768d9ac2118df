"""Test documents made by real writers at test time: fpdf2 (PDF), python-docx (DOCX), and
HTML pages written as a news site would serve them. They carry umlauts and ß, a hyphenated
line break, two pages and metadata."""

from __future__ import annotations

import datetime as dt
import io

# A news page with the usual boilerplate around the article: cookie banner, navigation, ads,
# share buttons, a related-links aside, comments, and a footer holding a fact ("Redaktions-
# schluss") that appears nowhere in the article.
ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Stadtrat beschließt neues Radwegenetz für Münster | Westfälische Rundschau</title>
<meta property="og:title" content="Stadtrat beschließt neues Radwegenetz für Münster">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-10-03T10:00:00+02:00">
<meta property="article:modified_time" content="2024-10-04T08:00:00+02:00">
</head><body>
<div id="cookie-banner">Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten. <button>Alle akzeptieren</button></div>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/impressum">Redaktionsschluss ist täglich um 17 Uhr</a></li></ul></nav></header>
<div class="ad">Anzeige: Jetzt 30 % Rabatt auf alle Fahrradhelme sichern!</div>
<main><article>
<h1>Stadtrat beschließt neues Radwegenetz für Münster</h1>
<p class="byline">Von Jürgen Weißmann | <time datetime="2024-10-03">03.10.2024</time></p>
<p>Der Münsteraner Stadtrat hat am Mittwochabend mit großer Mehrheit ein neues Radwegenetz beschlossen. Bis zum Jahr 2030 sollen 120 Kilometer neue Radwege entstehen, die Stadt investiert dafür 48 Millionen Euro.</p>
<p>Die Straßen rund um den Prinzipalmarkt werden dafür umgebaut. Größere Änderungen betreffen auch die Weseler Straße, auf der künftig eine geschützte Fahrradspur verlaufen soll, die durch Poller vom Autoverkehr getrennt wird.</p>
<div class="share">Teilen auf Facebook | Twitter | WhatsApp</div>
<h2>Kritik von der Opposition</h2>
<p>Die Opposition kritisiert die hohen Folgekosten für den Unterhalt der neuen Wege. Heinz Großkopf von der Bürgerliste sprach von einem Wechsel auf die Zukunft, den spätere Haushalte einlösen müssten.</p>
<p>Die Verwaltung hält dagegen, dass die Fördermittel des Landes einen großen Teil der Kosten decken werden und dass der Umbau die Sicherheit für Kinder auf dem Schulweg deutlich verbessert.</p>
</article>
<aside><h3>Das könnte Sie auch interessieren</h3><ul><li><a href="/a">Neue Buslinie zum Aasee</a></li>
<li><a href="/b">Lotto: Jackpot geknackt</a></li><li><a href="/c">Wetter am Wochenende</a></li></ul></aside>
<section id="comments"><h3>Kommentare (2)</h3><p>Radler77 schrieb: Endlich! Das wurde auch Zeit.</p>
<p>Autofahrer: Und wo sollen wir jetzt parken? Die Parkgebühren steigen doch schon jetzt auf 4 Euro.</p></section>
</main>
<footer><p>© 2024 Westfälische Rundschau · <a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a></p>
<p>Redaktionsschluss ist täglich um 17 Uhr. Leserbriefe an die Redaktion in der Königsstraße 12.</p></footer>
</body></html>
"""

# Not an article: a shop category page (navigation, filters, a product grid).
SHOP_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Herrenschuhe online kaufen | Schuhhaus Müller</title></head>
<body><nav><a href="/">Start</a> <a href="/damen">Damen</a> <a href="/herren">Herren</a> <a href="/sale">Sale</a></nav>
<h1>Herrenschuhe</h1>
<div class="filters"><h3>Größe</h3><ul><li>Größe 41</li><li>Größe 42</li><li>Größe 43</li></ul>
<h3>Farbe</h3><ul><li>Schwarz</li><li>Braun</li><li>Weiß</li></ul></div>
<ul class="products"><li>Derby Leder schwarz – 129,95 €</li><li>Chelsea Boot braun – 149,95 €</li>
<li>Sneaker weiß – 89,95 €</li><li>Oxford Lack – 159,95 €</li></ul>
<div class="pagination"><a href="?p=1">1</a> <a href="?p=2">2</a> <a href="?p=3">Weiter</a></div>
<footer>Versandkostenfrei ab 50 € · AGB · Impressum</footer></body></html>
"""

PDF_TITLE = "Brückenbericht Münster – Sitzung des Bauausschusses"


def make_pdf(pages: list[list[str]] | None = None, title: str = PDF_TITLE,
             created: dt.datetime | None = dt.datetime(2024, 5, 14, 9, 30, tzinfo=dt.timezone.utc)) -> bytes:
    """A PDF written by fpdf2, one line per cell (core font: latin-1, so äöüß but no „“)."""
    from fpdf import FPDF

    pages = pages or [
        ["Bauausschuss berät über die Brücken der Stadt",
         "Der Bauausschuss hat am Dienstag den Zustand der städtischen Brücken beraten.",
         "Die gute Zusammen-",
         "arbeit zwischen Stadt und Land wurde dabei ausdrücklich gelobt.",
         "Die Prüfer haben insgesamt 84 Brücken untersucht."],
        ["Der Neubau der Brücke über die Aa kostet 12 Millionen Euro.",
         "Die Bauarbeiten an der Aabrücke beginnen im Frühjahr und dauern zwei Jahre.",
         "Während der Bauzeit wird der Verkehr über die Weseler Straße umgeleitet."],
    ]
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("Jürgen Weißmann")
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_blank_pdf(pages: int = 2) -> bytes:
    """A PDF without a text layer: only drawn shapes, like a scan without OCR."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 120, 60, style="F")
    return bytes(pdf.output())


def make_docx(title: str = "Hochwasser an der Elbe",
              created: dt.datetime | None = dt.datetime(2024, 9, 17, 8, 0)) -> bytes:
    """A DOCX written by python-docx: headings, paragraphs with several runs, a table."""
    from docx import Document

    doc = Document()
    doc.add_heading("Hochwasser an der Elbe: Pegel in Dresden steigt weiter", level=1)
    doc.add_paragraph("Der Pegel der Elbe in Dresden hat am Dienstagmorgen 6,2 Meter erreicht. "
                      "Die Stadt hat die Alarmstufe drei ausgerufen.")
    p = doc.add_paragraph("Helfer füllen seit Montag Sandsäcke am Terrassenufer. ")
    p.add_run("Die Feuerwehr hat 40.000 Sandsäcke verteilt").bold = True
    p.add_run(", sagte Einsatzleiterin Sabine Köhler.")
    doc.add_heading("Schifffahrt eingestellt", level=2)
    doc.add_paragraph("Die Schifffahrt auf der Elbe ist zwischen Bad Schandau und Meißen eingestellt.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Pegel Dresden", "6,2 m"
    table.cell(1, 0).text, table.cell(1, 1).text = "Pegel Meißen", "7,1 m"
    props = doc.core_properties
    props.title = title
    props.author = "Sabine Köhler"
    if created is not None:
        props.created = created
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


UTF16_TEXT = ("Brauerei in Großhausen feiert Jubiläum\n\n"
              "Die Brauerei in Großhausen braut jährlich 30.000 Hektoliter Bier. "
              "Gegründet wurde sie im Jahr 1874 von der Familie Weißbräu, die sie bis heute führt.\n")
