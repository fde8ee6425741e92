"""Boot tests for lucid: each case boots a test image in QEMU or Bochs and
checks what lucid prints on COM1. See cases.py for the table of cases."""
