"""One parse per document at the edge: the same text gives the same tree to every
layer that asks, under one token limit."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from gateway.api.documents import Documents

QUERY = "query($id: ID!) { userPool(id: $id) { id name } }"


def test_a_document_is_parsed_once_for_every_layer() -> None:
    documents = Documents(max_tokens=100)
    first = documents.parse(QUERY)
    assert documents.parse(QUERY) is first  # the public-only gate, the cache, strawberry


def test_one_token_limit_for_all_of_them() -> None:
    long = "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"
    with pytest.raises(GraphQLError, match="token"):
        Documents(max_tokens=100).parse(long)
    assert Documents(max_tokens=1000).parse(long).definitions
