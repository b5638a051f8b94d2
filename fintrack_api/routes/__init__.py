"""One module per resource; each route is: scope -> one core call -> schema."""
