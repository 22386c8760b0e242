"""Static files of the web chat page (served by api.routes.web)."""
