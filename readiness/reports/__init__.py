"""Reading the record for managers: history filters, CSV exports, insights and charts."""
