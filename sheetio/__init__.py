"""Bounded, untrusting readers of spreadsheet files: .xlsx/.xlsm, .ods and .xls bytes into
plain values.

Nothing here knows about forms, plans or the harvest: it imports none of cchc's other
packages (``oslayer`` at most), and both the harvest and the plan's authoring workbook
read through it (cchc → mailer, harvest → xlsx_forms → sheetio, oslayer). What a caller's
files carry besides their sheets (cchc's identity sheet and property prefix) is the
caller's to name, as arguments of ``reader.read_book``:

- ``reader``: one workbook's bytes → ``Book`` (sheets, values, document properties),
  the format decided by content, bad input never raising;
- ``package``: zip members found through the package's relationships, decompressed with
  bounds; ``xmlsafe``: expat with DTDs and entities refused;
- ``cells``: sparse bounded sheets, error values, format kinds, A1 addresses;
- ``xlsx_read``, ``xlsx_plain``, ``ods_read``, ``xls_read`` (with ``cfb``): the formats;
- ``parts``: document properties and the saved time;
- ``textnumber``: a number typed as text, read as a Vietnamese reader writes it.
"""
