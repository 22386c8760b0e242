"""LangChain tools over the shop's services: one tool per service call, user from the context."""
