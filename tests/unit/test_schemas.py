"""streamlab.schemas: the composer the producer builds its events with follows the schema."""

import json

import pytest

from streamlab.schemas import PAYMENTS, SCHEMAS


@pytest.mark.parametrize("topic", sorted(SCHEMAS))
def test_the_composer_writes_the_schemas_fields_in_order(topic):
    schema = SCHEMAS[topic]
    compose = schema.json_composer(quoted=(schema.names[0],))
    values = [f"v{i}" if i == 0 else json.dumps(f"x{i}") for i in range(len(schema.names))]
    text = compose(*values)
    assert json.loads(text) == {name: "v0" if i == 0 else f"x{i}" for i, name in enumerate(schema.names)}
    assert list(json.loads(text)) == schema.names
    assert text == json.dumps(json.loads(text), separators=(",", ":"))


def test_a_quoted_field_the_schema_lacks_is_an_error():
    with pytest.raises(ValueError, match="payments has no field colour"):
        PAYMENTS.json_composer(quoted=("colour",))
