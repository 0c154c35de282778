# E2B documentation, "Connect LLMs to E2B" — LlamaIndex:
#   https://e2b.dev/docs/quickstart/connect-llms#llamaindex
#   (source: github.com/e2b-dev/docs docs/quickstart/connect-llms.mdx at d940a4e8)
# Copied verbatim. The one change is outside the file: the tests set
# OPENAI_API_BASE (read by llama-index-llms-openai) to the fake provider (tests/fake-llm).

# pip install llama-index e2b-code-interpreter
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai import OpenAI
from llama_index.core.agent import ReActAgent
from e2b_code_interpreter import Sandbox

# Define the tool
def execute_python(code: str):
    with Sandbox.create() as sandbox:
        execution = sandbox.run_code(code)
        return execution.text

e2b_sandbox_tool = FunctionTool.from_defaults(
    name="execute_python",
    description="Execute python code in a Jupyter notebook cell and return result",
    fn=execute_python
)

# Initialize LLM
llm = OpenAI(model="gpt-4o")

# Initialize ReAct agent
agent = ReActAgent.from_tools([e2b_sandbox_tool], llm=llm, verbose=True)
agent.chat("Calculate how many r's are in the word 'strawberry'")
