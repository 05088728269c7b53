"""The province's pages (Vietnamese, phone and PC): written in the next step."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
