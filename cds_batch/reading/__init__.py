"""Stage: one workbook file → the school's raw answers with the cells they came from.

The only stage that opens spreadsheets.
"""
