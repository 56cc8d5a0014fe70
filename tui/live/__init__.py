"""Live updates: the store polled (`watcher`), a read's changed rows found (`diff`), laid
into the list with the user's pending edits (`reconcile`), the reads run and coalesced
(`sync`)."""
