"""The national micro-credential ledger: an event-sourced record of providers,
micro-credentials and the awards learners hold."""
