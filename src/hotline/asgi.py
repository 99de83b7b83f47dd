"""The application object for uvicorn workers: `uvicorn hotline.asgi:app`."""

from hotline.app import create_app

app = create_app()
