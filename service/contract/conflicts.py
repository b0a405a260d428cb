"""Conflicts with stored data: 409, races caught by the database's constraints included."""

from functools import wraps

import flask_smorest
from sqlalchemy.exc import IntegrityError

from service.contract.annotate import add_error_responses
from service.data.errors import Conflict
from service.database import db


class ConflictsMixin:
    def conflicts(self, func):
        """Turn a clash with stored data (a taken name, a rule on existing rows, a unique
        constraint that a concurrent writer tripped first) into 409."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Conflict as error:
                db.session.rollback()
                flask_smorest.abort(409, message=str(error))
            except IntegrityError:
                db.session.rollback()
                flask_smorest.abort(409, message="The change conflicts with existing data.")

        return add_error_responses(wrapper, 409)
