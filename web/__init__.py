"""The support center: customers of plans that include it sign in with a one-time link by
mail and see their account's tickets, due times and quota, answer and open tickets; the
desk's agents and managers get the staff overview.

A Starlette application (`web.app.create_app`) over the same store, rules and intake
service functions the mail path uses; it never imports the notifier (the mail it
queues is sent by the bot's delivery job).
"""
