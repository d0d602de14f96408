"""The authoring workbook: a plan written by non-programmers in a spreadsheet.

``sheets`` is the one table of sheets and columns; ``cells`` converts one cell,
``assemble`` turns rows into the plan's dicts and back, ``writer`` and ``guide`` write the
workbook, ``reader`` reads it, ``workflow`` holds what the ``cchc plan`` commands do.
"""
