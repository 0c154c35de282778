# E2B documentation, "Connect LLMs to E2B" — Ollama:
#   https://e2b.dev/docs/quickstart/connect-llms#ollama
#   (source: github.com/e2b-dev/docs docs/quickstart/connect-llms.mdx at d940a4e8)
# Copied verbatim. The one change is outside the file: the tests set
# OLLAMA_HOST (read by the ollama client) to the fake provider (tests/fake-llm).

# pip install ollama
import ollama
from e2b_code_interpreter import Sandbox

# Send the prompt to the model
response = ollama.chat(
    model="llama3.2",
    messages=[{
        "role": "system",
        "content": "You are a helpful assistant that can execute python code in a Jupyter notebook. Only respond with the code to be executed and nothing else. Strip backticks in code blocks."
    },
    {
        "role": "user",
        "content": "Calculate how many r's are in the word 'strawberry'"
    }
])

# Extract the code from the response
code = response['message']['content']

# Execute code in E2B Sandbox
with Sandbox.create() as sandbox:
    execution = sandbox.run_code(code)
    result = execution.logs.stdout

print(result)
