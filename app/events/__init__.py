"""Event registration: seats that are never oversold, a waiting list, one application per
value, and the applicant's private link to view, change or cancel an application."""
