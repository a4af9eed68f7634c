"""Keras 2's global custom objects: a name -> object dict consulted before the
registries when a name is deserialized (``get_custom_objects()``,
``CustomObjectScope``).  It only holds objects that the user's own code put
there; a file can name them but never add to them."""

CUSTOM_OBJECTS = {}
