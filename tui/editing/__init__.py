"""Editing: every rename, pin, archive and undo goes through the `EditController`
(`controller`), shown at once (`ledger`), saved in order (`queue`) by a `Saver` chosen per edit
(`saver`), and undone by the revert each edit carries (`undo`)."""
