"""Form specs of Kế hoạch 372/KH-UBND and the generator of per-unit Excel workbooks."""
