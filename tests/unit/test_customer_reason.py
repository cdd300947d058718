"""The acknowledgement tells customers why a severity was chosen in their terms."""

from notifier.contexts import customer_reason


def test_rule_names_and_outweighed_cues_are_left_to_the_agents():
    reason = ('matched "Error 500" (critical: server error) in the subject; "cannot create" '
              '(critical: cannot work with documents) in the body; outweighing "?" '
              "(trivial: question mark) in the body")
    assert customer_reason(reason) == \
        'your mail mentions "Error 500" in the subject; "cannot create" in the body'


def test_tags_agent_changes_and_the_default_read_plainly():
    assert customer_reason('explicit tag "[Blocker]" in the subject') == \
        'explicit tag "[Blocker]" in the subject'
    assert customer_reason("set by Ana Ruiz") == "set by Ana Ruiz"
    assert "default" in customer_reason(
        "no severity cue in the subject or body; using the default (major)")
