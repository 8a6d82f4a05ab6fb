"""Server-rendered pages (Jinja2 templates, no front-end build): the hosted checkout page."""
