"""The error a request gets: a gRPC status code and TF Serving's message for the same failure.

Usage:
    raise ServingError(grpc.StatusCode.NOT_FOUND, "Servable not found for request: Latest(x)")
"""
import grpc

# TensorFlow's error codes are the canonical (absl / gRPC) status codes.
_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


class ServingError(Exception):
    """A failed request: `code` (grpc.StatusCode) and `message`, as TF Serving would answer."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def from_tf(cls, error):
        """The status of a `tf.errors.OpError` raised while running a signature."""
        return cls(_BY_NUMBER.get(error.error_code, grpc.StatusCode.UNKNOWN), error.message)

    def abort(self, context):
        """End the RPC with this status (raises, as `grpc.ServicerContext.abort` does)."""
        context.abort(self.code, self.message)


def invalid_argument(message):
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)
