"""Conference day: meeting requests, availability, a schedule solved for coverage, agendas."""
