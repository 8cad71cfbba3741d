import streamlit as st

st.title("predict")
st.info("This step is being built.")
