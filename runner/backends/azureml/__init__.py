"""Azure ML behind the Backend interface.

``translate`` turns a Batch AI job template into an azure-ai-ml ``CommandJob`` (pure); ``client`` is the one
place that talks to Azure (the MLClient, the datastore, errors as one line); ``backend`` implements the job
verbs on top of both. Importing this package imports no Azure SDK (they are slow to import).
"""
