"""JSON rendering of the envelope: `application/json`, Decimal money as JSON numbers, UTC times with `Z`."""

from rest_framework.renderers import JSONRenderer


class EnvelopeJSONRenderer(JSONRenderer):
    """Renders the envelope built by `shop.responses.success` and `shop.handlers.exception_handler`.

    DRF's encoder already writes `Decimal` as a JSON number (values are quantized to cents, so the
    shortest float representation is exactly the rounded amount) and datetimes in ISO 8601 with `Z`.
    """

    media_type = "application/json"
    format = "json"
    charset = None
    ensure_ascii = False
    compact = True
    strict = True
