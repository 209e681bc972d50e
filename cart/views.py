"""Cart endpoints E15–E20 (bearer; always the caller's own cart). Thin: validate, call a service,
serialize the cart as it now stands."""

from drf_spectacular.utils import extend_schema

from cart import services
from cart.selectors import cart_lines
from cart.serializers import (
    CartItemAddSerializer,
    CartItemUpdateSerializer,
    CartSerializer,
    CartValidSerializer,
    cart_data,
)
from shop.exceptions import CartInvalid, InsufficientStock, failure_message
from shop.ids import parse_uuid
from shop.responses import success
from shop.schema import envelope, error_responses
from shop.views import ApiView

TAGS = ["cart"]


def cart_answer(cart, *, empty: bool = False):
    return cart_data(cart, [] if empty else cart_lines(cart))


class CartView(ApiView):
    @extend_schema(
        tags=TAGS, responses={200: envelope("CartResponse", CartSerializer), **error_responses(401)}
    )
    def get(self, request):
        """E15: the caller's cart (created on first use)."""
        cart, created = services.cart_get_or_create(user=request.user)
        return success("Cart retrieved successfully", cart_answer(cart, empty=created))

    @extend_schema(
        tags=TAGS, responses={200: envelope("CartClearResponse", CartSerializer), **error_responses(401)}
    )
    def delete(self, request):
        """E20: remove every line and reservation; the (empty) cart stays."""
        cart = services.cart_clear(user=request.user)
        return success("Cart cleared successfully", cart_answer(cart, empty=True))


class CartValidateView(ApiView):
    @extend_schema(
        tags=TAGS,
        responses={200: envelope("CartValidResponse", CartValidSerializer), **error_responses(401, 409)},
    )
    def get(self, request):
        """E16: is every line still buyable? 409 `cart_invalid` with the failing lines in `data`."""
        result = services.cart_validate(user=request.user)
        if not result.valid:
            raise CartInvalid(
                data={
                    "valid": False,
                    "errors": result.errors,
                    "items": result.items,
                    "warnings": result.warnings,
                }
            )
        return success(
            "Cart is valid",
            {"valid": True, "cart": cart_data(result.cart, result.lines), "warnings": result.warnings},
        )


class CartItemsView(ApiView):
    @extend_schema(
        tags=TAGS,
        request=CartItemAddSerializer,
        responses={201: envelope("CartAddResponse", CartSerializer), **error_responses(400, 401, 404, 409)},
    )
    def post(self, request):
        """E17: add to the product's line (or create it) and hold the new line quantity for the TTL."""
        data = self.validated(CartItemAddSerializer)
        with failure_message("Failed to add item to cart", InsufficientStock):
            cart = services.cart_item_add(user=request.user, **data)
        return success("Item added to cart successfully", cart_answer(cart), status=201)


class CartItemView(ApiView):
    @extend_schema(
        tags=TAGS,
        request=CartItemUpdateSerializer,
        responses={
            200: envelope("CartUpdateResponse", CartSerializer),
            **error_responses(400, 401, 404, 409),
        },
    )
    def put(self, request, item_id):
        """E18: set the line quantity; the hold becomes that quantity for the TTL."""
        item_id = parse_uuid(item_id, "item")
        data = self.validated(CartItemUpdateSerializer)
        with failure_message("Failed to update cart item", InsufficientStock):
            cart = services.cart_item_update(user=request.user, item_id=item_id, **data)
        return success("Cart item updated successfully", cart_answer(cart))

    @extend_schema(
        tags=TAGS,
        responses={200: envelope("CartRemoveResponse", CartSerializer), **error_responses(400, 401, 404)},
    )
    def delete(self, request, item_id):
        """E19: remove the line and its reservation."""
        cart = services.cart_item_remove(user=request.user, item_id=parse_uuid(item_id, "item"))
        return success("Item removed from cart successfully", cart_answer(cart))
