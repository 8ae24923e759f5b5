"""Infrastructure as code instead of API calls: the plan as a CloudFormation template or a Terraform
module (``secretshift plan --emit cloudformation|terraform``). Secrets are declared without values:
``secretshift apply`` (or the user) puts each value after the stack exists."""
