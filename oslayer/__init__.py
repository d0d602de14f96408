"""The layer between cchc and the operating system: files, processes, portability.

Nothing here knows about forms, plans or returned workbooks; every package of cchc may
use it, and it imports none of them (cchc → mailer, harvest → xlsx_forms → sheetio, oslayer):

- ``portable``: what differs between operating systems, and ``CCHC_PORTABLE=1``, which
  forces the Windows fallbacks anywhere;
- ``fileio``: bounded reads of regular files, atomic writes, CSV files as Excel reads them;
- ``oserrors``: operating-system errors in Vietnamese, with advice;
- ``dirlock``: one process at a time per folder, with the system's own file lock;
- ``parallel``: a function over many jobs on every core, results in job order.
"""
