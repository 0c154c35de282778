# E2B documentation, "Connect LLMs to E2B" — Mistral, Simple:
#   https://e2b.dev/docs/quickstart/connect-llms#mistral
#   (source: github.com/e2b-dev/docs docs/quickstart/connect-llms.mdx at d940a4e8)
# Copied verbatim but for one line: mistralai reads no environment variable
# for its base URL, so the client is given server_url=MISTRAL_SERVER_URL
# (the fake provider, tests/fake-llm).  The original line:
#   client = Mistral(api_key=os.environ["MISTRAL_API_KEY"])

# pip install mistralai e2b-code-interpreter
import os
from mistralai import Mistral
from e2b_code_interpreter import Sandbox

# Create Mistral client
client = Mistral(api_key=os.environ["MISTRAL_API_KEY"], server_url=os.environ["MISTRAL_SERVER_URL"])
system_prompt = "You are a helpful assistant that can execute python code in a Jupyter notebook. Only respond with the code to be executed and nothing else. Strip backticks in code blocks."
prompt = "Calculate how many r's are in the word 'strawberry'"

# Send the prompt to the model
response = client.chat.complete(
    model="codestral-latest",
    messages=[
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": prompt}
    ]
)

# Extract the code from the response
code = response.choices[0].message.content

# Execute code in E2B Sandbox
with Sandbox.create() as sandbox:
    execution = sandbox.run_code(code)
    result = execution.text

print(result)
