"""Payment gateways: the interface (`base.py`) and the configured implementation (`get_gateway`)."""

from payments.gateways.base import ChargeResult, PaymentGateway, get_gateway

__all__ = ["ChargeResult", "PaymentGateway", "get_gateway"]
