"""Stage: districts' results → the province roll-up and its workbook."""
