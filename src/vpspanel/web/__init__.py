"""What the browser gets besides the API: the built React app, the offline API docs, the
security headers every response carries, and the OpenAPI naming the generated client reads."""
