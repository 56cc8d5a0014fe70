"""Search: the panel of matching messages with its debounced search (`panel`), the message
index kept up to date in the background (`index_service`), by a child process (`indexer`)."""
