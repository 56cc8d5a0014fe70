"""Live updates: the store polled (`watcher`), its rows read off the UI thread and the reads
coalesced (`sync`), a read's changed rows found (`diff`), laid into the list with the user's
pending edits (`reconcile`, pure) and shown on the main screen (`apply`)."""
