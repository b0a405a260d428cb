"""Queries and mutations: no HTTP and no commit (the view commits once, at its end).

One style, the ORM: loaders return model instances, mutations change them and flush, and
every versioned model declares `version_id_col`, so each UPDATE and DELETE is a
compare-and-swap on its version (StaleDataError when another writer won).

Core statements only where `make bench-inprocess` shows the ORM costs a hot path too much,
and then for a whole model, so that its functions return one type:
- resources.py: every GET and list reads resources; there the ORM's object loading costs
  more than the rest of the request's data work. Its functions return rows (read-only,
  named like the model's attributes, with the owner's username as `owner_name`), and its
  UPDATE and DELETE compare and swap the version themselves (ChangedMeanwhile).
- tokens.find_active_token: every authenticated request looks its token up.
"""
